normalizedKmers <- function(x, k = 2L, method = c("total", "max")) {
    method <- match.arg(method)
    counts <- kmerCounts(x, k)
    switch(method, total = counts / sum(counts), max = counts / max(counts))
}
