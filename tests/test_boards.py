"""Board files: all present, figures sane and matching the data sheets, errors one line."""

import pytest

from tinyedge.boards import CORES, Board, board_table, get_board, load_boards
from tinyedge.errors import UsageError

PHYSICAL = ["arduino-nano-33-ble-sense", "arduino-uno", "arduino-mega-2560", "raspberry-pi-pico",
            "esp32-devkitc", "esp32-s3-devkitc", "nucleo-f401re", "nucleo-l4r5zi",
            "stm32f746g-disco", "nucleo-h743zi", "sparkfun-edge", "teensy-41", "xiao-nrf52840"]
EMULATED = {"qemu-cortex-m3": "mps2-an385", "qemu-cortex-m4": "mps2-an386",
            "qemu-cortex-m7": "mps2-an500", "qemu-cortex-m33": "mps2-an505",
            "qemu-cortex-m55": "mps3-an547", "simavr-mega2560": "atmega2560"}

GOOD = """\
name = "{name}"
description = "Test board (STM32F401RE, Cortex-M4F, 84 MHz)"
vendor = "ST"
mcu = "STM32F401RE"
core = "cortex-m4"
fpu = "fpv4-sp-d16"
dsp = true
flash_bytes = 524288
ram_bytes = 98304
clock_hz = 84000000
cflags = ["-mcpu=cortex-m4", "-Os"]
toolchain = "arm-none-eabi"
emulated = false
"""


def test_every_required_board_is_present():
    boards = load_boards()
    assert set(PHYSICAL) | set(EMULATED) | {"host"} <= set(boards)
    assert list(boards) == sorted(boards)


@pytest.mark.parametrize("name", PHYSICAL + list(EMULATED))
def test_figures_are_sane(name):
    b = get_board(name)
    assert b.name == name and b.core in CORES and b.core != "host"
    # QEMU maps as much RAM as flash; real chips always have more flash.
    assert b.ram_bytes > 0 and (b.flash_bytes >= b.ram_bytes if b.emulated
                                else b.flash_bytes > b.ram_bytes)
    assert b.clock_hz > 0 and isinstance(b.cflags, tuple) and b.cflags
    assert b.fpu and isinstance(b.dsp, bool) and b.toolchain
    # Only ARMv7E-M and later cores have the DSP (SIMD) instructions.
    if b.core in ("cortex-m0plus", "cortex-m3", "avr"):
        assert not b.dsp
    if b.core in ("cortex-m4", "cortex-m7"):
        assert b.dsp
    assert b.arch == {"avr": "avr", "xtensa": "xtensa"}.get(b.core, "arm")
    if b.platformio is not None:
        assert set(b.platformio) == {"board", "platform", "framework"}


@pytest.mark.parametrize("name, machine", EMULATED.items())
def test_emulated_boards_name_emulator_and_machine(name, machine):
    b = get_board(name)
    assert b.emulated and b.machine == machine
    assert b.emulator == ("simavr" if b.core == "avr" else "qemu")
    if b.emulator == "qemu":
        assert b.cpu == b.core and f"-mcpu={b.core}" in b.cflags


@pytest.mark.parametrize("name, flash, ram, mhz", [
    ("arduino-uno", 32_256, 2_048, 16),
    ("arduino-mega-2560", 253_952, 8_192, 16),
    ("nucleo-f401re", 524_288, 98_304, 84),
    ("arduino-nano-33-ble-sense", 1_048_576, 262_144, 64),
    ("raspberry-pi-pico", 2 * 1024 * 1024, 264 * 1024, 133),
    ("sparkfun-edge", 1_048_576, 384 * 1024, 48),
    ("simavr-mega2560", 256 * 1024, 8 * 1024, 16),
    ("qemu-cortex-m55", 524_288, 524_288, 32),
])
def test_known_figures(name, flash, ram, mhz):
    b = get_board(name)
    assert (b.flash_bytes, b.ram_bytes, b.clock_hz) == (flash, ram, mhz * 1_000_000)


def test_known_ids_and_flags():
    uno = get_board("arduino-uno")
    assert uno.arduino_fqbn == "arduino:avr:uno" and uno.cflags == ("-mmcu=atmega328p", "-Os")
    assert uno.platformio == {"board": "uno", "platform": "atmelavr", "framework": "arduino"}
    m4 = get_board("qemu-cortex-m4")
    assert m4.cflags == ("-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard",
                         "-mfpu=fpv4-sp-d16", "-O2")
    assert get_board("esp32-devkitc").arch == "xtensa"


def test_host_board_keeps_its_keys():
    host = get_board("host")
    assert (host.core, host.emulator, host.arch) == ("host", "cffi", "host")
    assert host.emulated and host.cflags == ("-std=c99", "-O2") and host.flash_bytes is None


def test_board_is_hashable():
    assert len({get_board("arduino-uno"), get_board("arduino-uno")}) == 1
    assert isinstance(get_board("arduino-uno"), Board)


def test_name_is_matched_ignoring_case_and_underscores():
    assert get_board("arduino_uno").name == "arduino-uno"
    assert get_board("Nucleo_F401RE").name == "nucleo-f401re"


@pytest.mark.parametrize("typo, wanted", [("nucleo-f401", "nucleo-f401re"),
                                          ("nucleo-f4O1re", "nucleo-f401re"),
                                          ("arduino-uon", "arduino-uno")])
def test_typo_suggests_the_board_on_one_line(typo, wanted):
    with pytest.raises(UsageError) as e:
        get_board(typo)
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith(f"unknown board '{typo}'; did you mean {wanted}")
    assert message.endswith("? (tinyedge boards lists all)")
    assert len(message.split("did you mean ")[1].split(", ")) <= 3


def test_no_suggestion_gives_the_hint_only():
    with pytest.raises(UsageError) as e:
        get_board("zzzz")
    assert str(e.value) == "unknown board 'zzzz' (tinyedge boards lists all)"


@pytest.mark.parametrize("edit, key", [
    (lambda t: t.replace('clock_hz = 84000000\n', ''), "clock_hz"),
    (lambda t: t.replace('core = "cortex-m4"', 'core = "cortex-m5"'), "core"),
    (lambda t: t.replace('ram_bytes = 98304', 'ram_bytes = "96K"'), "ram_bytes"),
    (lambda t: t.replace('emulated = false', 'emulated = true'), "emulator"),
    (lambda t: t + 'flash_byte = 1\n', "flash_byte"),
    (lambda t: t.replace('name = "bad"', 'name = "other"'), "name"),
])
def test_invalid_board_file_names_file_and_key(tmp_path, edit, key):
    (tmp_path / "good.toml").write_text(GOOD.format(name="good"))
    (tmp_path / "bad.toml").write_text(edit(GOOD.format(name="bad")))
    with pytest.raises(UsageError) as e:
        load_boards(tmp_path)
    assert "bad.toml" in str(e.value) and f"'{key}'" in str(e.value)
    assert "\n" not in str(e.value)


def test_broken_toml_names_the_file(tmp_path):
    (tmp_path / "broken.toml").write_text('name = "broken\n')
    with pytest.raises(UsageError, match="broken.toml"):
        load_boards(tmp_path)


def test_other_directory(tmp_path):
    (tmp_path / "good.toml").write_text(GOOD.format(name="good"))
    assert list(load_boards(tmp_path)) == ["good"]
    assert get_board("GOOD", tmp_path).clock_hz == 84_000_000


def test_board_table_lists_every_board():
    boards = load_boards()
    lines = board_table(boards).splitlines()
    assert lines[0].split() == ["name", "core", "flash", "RAM", "clock", "emulated"]
    assert [line.split()[0] for line in lines[1:]] == list(boards)
    row = {line.split()[0]: line for line in lines[1:]}
    assert "31.5 KiB" in row["arduino-uno"] and "16 MHz" in row["arduino-uno"]
    assert row["qemu-cortex-m4"].endswith("qemu mps2-an386")
    assert row["simavr-mega2560"].endswith("simavr atmega2560")
    assert row["host"].endswith("cffi") and row["nucleo-f401re"].endswith("-")
    assert board_table() == board_table(boards)
