"""The ceiling: a plain Flask hello-world, served by `make bench` under the forum's exact server settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, world!"
