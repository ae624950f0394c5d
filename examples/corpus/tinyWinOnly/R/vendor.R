vendorVersion <- function() {
    if (.Platform$OS.type == "unix" && Sys.info()[["sysname"]] == "Linux")
        stop("the vendor library is not available on Linux")
    "4.2"
}
