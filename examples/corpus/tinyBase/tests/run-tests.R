library(tinyBase)
stopifnot(identical(isDNA(c("ACGT", "XYZ")), c(TRUE, FALSE)))
stopifnot(all.equal(gcContent("GGCCAATT"), 0.5))
stopifnot(identical(reverseComplement("AACG"), "CGTT"))
