"""A KeyboardInterrupt nobody catches: traceback, then death by SIGINT."""


def wait_for_user():
    print("waiting")
    raise KeyboardInterrupt


wait_for_user()
