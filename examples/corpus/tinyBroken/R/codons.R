codonTable <- function() {
    codons <- c(ATG = "M", TAA = "*", TGG = "W", TTT = "F")
    stopifnot(all(isDNA(names(codons))))
    data.frame(codon = names(codons), amino_acid = unname(codons))
}
