"""The yardstick of bench/pages.py: a hello-world Flask app under the same gunicorn."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
@app.get("/healthz")
def hello():
    return "Hello, World!"
