"""The forum's models: members, and the categories, threads and posts they write."""

from .content import Category, Post, Thread
from .user import User

__all__ = ["Category", "Post", "Thread", "User"]
