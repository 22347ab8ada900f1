"""Account sync (mirror native posts between the office's channels) and partner reposts."""
