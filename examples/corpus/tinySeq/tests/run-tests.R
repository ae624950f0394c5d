library(tinySeq)
counts <- kmerCounts("AAAT", k = 2)
stopifnot(counts[["AA"]] == 2L, counts[["AT"]] == 1L)
