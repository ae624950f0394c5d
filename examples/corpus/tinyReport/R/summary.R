geneSummary <- function(starts, ends) {
    ranges <- tinyRange(starts, ends)
    genes <- annotateRanges(ranges)
    genes[is.na(genes)] <- "(intergenic)"
    counts <- table(genes)
    data.frame(gene = names(counts), ranges = as.vector(counts), row.names = NULL)
}
