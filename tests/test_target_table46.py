"""``--target`` given as run.target's TOML table (the README's config shows ``{ loss = 0.1, acc = 0.9 }``) is read
as NAME=VALUE pairs; before, the braces stuck to the values: ``--target acc=... must be a finite number, got
'0.9}'``."""

from l2l.run_options import target_option, target_text


def test_a_toml_table_is_read_as_the_pairs():
    assert target_option(target_text("{err = 0.05, rate = 40}"), "--target") == {"err": 0.05, "rate": 40.0}
    assert target_option(target_text('{ "err" = 0.05 }'), "--target") == {"err": 0.05}
    assert target_text("err=0.05,rate=40") == {"err": 0.05, "rate": 40.0}
