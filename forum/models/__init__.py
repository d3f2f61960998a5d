"""The forum's models: members, and the categories, threads and posts they write."""

from .content import Category, HeldPost, Post, Thread
from .login_session import LoginSession
from .conversation import Draft, Notification, PostQuote, PostReaction, PostRevision, ThreadDraft
from .reading import ThreadRead
from .moderation import AllowedEmailDomain, Appeal, Flag, ModAction, RateCounter, RegistrationBlock, Sanction
from .preferences import Ignore, ThreadSubscription
from .site import SiteSetting, SiteState
from .user import RecoveryCode, User
from .invite import Invite
from .upload import PostUpload, Upload
from .article import Article
from .identity import ExternalAccount
from .sso_token import UsedSsoToken
from .messages import (ConversationParticipant, MessageDraft, MessageFlag, MessageRevision, NewConversationDraft,
                       PrivateConversation, PrivateMessage)

__all__ = ["AllowedEmailDomain", "Appeal", "Article", "Category", "ConversationParticipant", "Draft", "ExternalAccount", "Flag",
           "HeldPost", "Ignore", "Invite", "LoginSession", "MessageDraft", "MessageFlag", "MessageRevision", "ModAction", "NewConversationDraft",
           "Notification", "Post", "PostQuote", "PostReaction", "PostRevision", "PostUpload", "PrivateConversation",
           "PrivateMessage", "RateCounter", "RecoveryCode", "RegistrationBlock", "Sanction", "SiteSetting",
           "SiteState", "Thread", "ThreadDraft", "ThreadRead", "ThreadSubscription", "Upload", "UsedSsoToken", "User"]
