"""The members services: looking members up (profiles), their pictures (avatars), watching and ignoring (preferences)."""
