windowGC <- function(sequence, width = 10L) {
    n <- nchar(sequence) - width + 1L
    if (n < 1L) return(numeric(0))
    gcContent(substring(sequence, seq_len(n), seq_len(n) + width - 1L))
}

plotGC <- function(sequence, width = 10L, ...) {
    gc <- windowGC(sequence, width)
    plot(seq_along(gc), gc, type = "l", xlab = "window", ylab = "GC content", ...)
    invisible(gc)
}
