"""How people and programs reach bchub: CLI, REST API, webhooks, console."""
