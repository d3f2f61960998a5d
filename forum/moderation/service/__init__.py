"""The moderation services: flags, sanctions, appeals, the staff tools for threads, and the log they all write."""
