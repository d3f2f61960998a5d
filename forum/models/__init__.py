"""The forum's models: members, and the categories, threads and posts they write."""

from .content import Category, Post, Thread
from .conversation import Draft, Notification, PostQuote, PostRevision
from .user import User

__all__ = ["Category", "Draft", "Notification", "Post", "PostQuote", "PostRevision", "Thread", "User"]
