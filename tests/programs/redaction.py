"""Secrets in variables whose names match the redaction patterns."""
# tracerec-test: special
import collections

Creds = collections.namedtuple("Creds", "user password")


def login(user, password):
    api_token = "tok-" + password[::-1]
    session = {"user": user, "cookie": "c-" + password}
    creds = Creds(user, password)
    plain = "visible-" + user
    return len(api_token) + len(session) + len(plain) + len(creds)


print(login("alice", "hunter2-SECRETVALUE"))
print("EXIT-SUCCESS")
