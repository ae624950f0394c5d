exampleGenes <- function() {
    genes <- tinyRange(c(1, 100, 250), c(80, 200, 400))
    genes$gene <- c("geneA", "geneB", "geneC")
    genes
}

annotateRanges <- function(ranges, genes = exampleGenes()) {
    vapply(seq_len(nrow(ranges)), function(i) {
        hit <- countOverlaps(genes, ranges[i, , drop = FALSE]) > 0L
        if (any(hit)) paste(genes$gene[hit], collapse = ",") else NA_character_
    }, character(1))
}
