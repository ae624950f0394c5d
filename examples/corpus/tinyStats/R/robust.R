robustSummary <- function(x) {
    .Deprecated(msg = "robustSummary() is deprecated; use median() and mad()")
    c(median = median(x), mad = mad(x))
}
