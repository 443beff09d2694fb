"""Qt-free domain: models, services, audit, auth."""
