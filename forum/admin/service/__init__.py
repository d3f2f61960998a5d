"""The admin services: roles and the overview (members), registration blocks, categories."""
