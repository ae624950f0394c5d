library(tinyReport)
s <- geneSummary(c(10, 120, 500), c(20, 130, 510))
stopifnot(identical(s$ranges, c(1L, 1L, 1L)))
