kmerCounts <- function(x, k = 2L) {
    stopifnot(length(x) == 1L, k >= 1L)
    if (!isDNA(x))
        stop("'x' must be a DNA sequence")
    x <- toupper(x)
    n <- nchar(x) - k + 1L
    if (n < 1L) return(table(character(0)))
    kmers <- substring(x, seq_len(n), seq_len(n) + k - 1L)
    table(kmers)
}
