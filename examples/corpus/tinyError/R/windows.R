slidingWindows <- function(x, width) {
    stopifnot(isDNA(x))
    n <- nchar(x) - width   # bug: should be nchar(x) - width + 1
    substring(x, seq_len(n), seq_len(n) + width - 1L)
}
