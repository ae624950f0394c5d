tinyRange <- function(start, end, seqname = "chr1") {
    stopifnot(length(start) == length(end), all(end >= start))
    data.frame(seqname = seqname, start = as.integer(start), end = as.integer(end))
}

countOverlaps <- function(query, subject) {
    .Call(C_count_overlaps, query$start, query$end, subject$start, subject$end)
}

rangeGC <- function(ranges, sequence) {
    pieces <- substring(sequence, ranges$start, ranges$end)
    gcContent(pieces)
}
