legacy <- function() "still here"
