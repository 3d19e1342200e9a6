import lzo

from harness import esr
from harness.models import patterns, selftest


def test_selftest_pattern_has_three_kinds_of_chunk():
    data = patterns.selftest_pattern()
    assert len(data) == 0x10000
    assert data[:256] == bytes(256)
    text = b"zvm-hil lzo selftest "
    assert data[256:512] == bytes(text[i % len(text)] for i in range(256, 512))
    noise = data[512:768]
    assert len(set(noise)) > 150  # xorshift bytes, not a pattern


def test_xorshift_words_are_little_endian():
    data, state = patterns.xorshift32_bytes(patterns.SELFTEST_SEED, 8)
    first = patterns.xorshift32(patterns.SELFTEST_SEED)
    assert data[:4] == first.to_bytes(4, "little") and state == patterns.xorshift32(first)


def test_lzo_prediction_round_trips():
    plain = patterns.selftest_pattern()
    packed = lzo.compress(plain, 1, False)
    assert lzo.decompress(packed, False, len(plain)) == plain
    predicted = selftest.lzo_selftest()
    assert predicted["clen"] == len(packed) < len(plain)


def test_esr_decoding():
    assert esr.describe(0x97C08005) == \
        "EC 0x25 (data abort without a change in EL): translation fault, level 1, read"
    assert esr.describe(0x5A000000).startswith("EC 0x16 (HVC in AArch64)")
    assert "reserved or unlisted" in esr.describe(0x3F << 26)
