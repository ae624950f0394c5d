waitForServer <- function(ready_file = tempfile("server-ready-"), poll = 1) {
    # The "server" is a child process that never writes the ready file.
    system2("sleep", "3600", wait = FALSE)
    while (!file.exists(ready_file))
        Sys.sleep(poll)
    invisible(TRUE)
}
