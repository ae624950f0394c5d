isDNA <- function(x) {
    stopifnot(is.character(x))
    grepl("^[ACGTN]*$", toupper(x))
}

gcContent <- function(x) {
    if (!all(isDNA(x)))
        stop("'x' must contain DNA sequences (A, C, G, T, N)")
    chars <- strsplit(toupper(x), "")
    vapply(chars, function(ch) {
        if (length(ch) == 0L) return(NA_real_)
        mean(ch %in% c("G", "C"))
    }, numeric(1))
}

reverseComplement <- function(x) {
    if (!all(isDNA(x)))
        stop("'x' must contain DNA sequences (A, C, G, T, N)")
    complement <- chartr("ACGTN", "TGCAN", toupper(x))
    vapply(strsplit(complement, ""), function(ch) paste(rev(ch), collapse = ""),
           character(1))
}
