"""One module per subcommand (or group). Each defines ``register(cli)``; adding a command is one file."""
