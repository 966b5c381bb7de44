"""Start-up wiring of CivicWatch: the command line and process start. Kept thin on purpose."""
