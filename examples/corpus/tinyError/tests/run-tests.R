library(tinyError)
windows <- slidingWindows("ACGT", 2)
if (!identical(windows, c("AC", "CG", "GT")))
    stop("expected 3 windows, got ", length(windows), ": ", paste(windows, collapse = " "))
