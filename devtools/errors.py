"""What the development tooling raises when the stack cannot start."""


class StackError(RuntimeError):
    pass
