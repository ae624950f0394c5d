library(tinyRanges)
q <- tinyRange(c(1, 10), c(5, 20))
s <- tinyRange(c(3, 4, 30), c(4, 12, 40))
stopifnot(identical(countOverlaps(q, s), c(2L, 1L)))
