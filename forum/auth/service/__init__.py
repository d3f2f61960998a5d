"""The account services: accounts and names, passwords, registration and its blocks, sign-in and sessions, recovery."""
