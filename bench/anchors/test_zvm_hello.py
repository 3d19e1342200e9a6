"""The hello boot-and-check with zvm-hil's plugin (compared with the anchors)."""


def test_hello(zvm_run):
    assert zvm_run("hello").passed
