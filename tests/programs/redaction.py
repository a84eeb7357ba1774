"""Secrets in variables whose names match the redaction patterns."""
# tracerec-test: special


def login(user, password):
    api_token = "tok-" + password[::-1]
    session = {"user": user, "cookie": "c-" + password}
    plain = "visible-" + user
    return len(api_token) + len(session) + len(plain)


print(login("alice", "hunter2-SECRETVALUE"))
print("EXIT-SUCCESS")
