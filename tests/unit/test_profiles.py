"""Policy profiles are checked when loaded: a user's own profile with a mistake is told in Chinese,
naming the file, the key and what is wrong, and the CLI says so in one message (exit 2)."""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from techreform import cli
from techreform.reference import profiles
from techreform.reference.profiles import ProfileError, Target


def _shipped(profile_id: str = "luoyang-2021") -> dict[str, Any]:
    text = (resources.files(profiles) / f"{profile_id}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _write(tmp_path: Path, data: Any, name: str = "my.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _problems(tmp_path: Path, data: Any) -> tuple[str, list[tuple[str, str]]]:
    path = _write(tmp_path, data)
    with pytest.raises(ProfileError) as e:
        profiles.parse(path.read_text(encoding="utf-8"), str(path))
    assert str(path) in str(e.value)
    return str(e.value), e.value.problems


@pytest.mark.parametrize("profile_id", profiles.available())
def test_every_shipped_profile_is_valid(profile_id):
    p = profiles.load(profile_id)
    assert p.id == profile_id and len(p.units) >= 10 and p.reform_types
    # a GB/T 2260 division (6 digits), a township's statistical code (9) or a configured zone
    assert all(u.code.isdigit() and len(u.code) in (6, 9, 12) for u in p.units)
    assert all(len(u.code) == 6 for u in p.units if u.kind == "division")
    assert all(isinstance(t, Target) for t in p.targets.values())


def test_targets_in_the_agreed_shape_are_accepted(tmp_path):
    data = _shipped()
    data["targets"] = {
        "tech_invest_growth": {"rate": 15.0},
        "tech_invest_ytd": {"split": "proportional"},
        "projects_total_investment": {"value": 872300, "split": "proportional"},
    }
    p = profiles.load(str(_write(tmp_path, data)))
    assert p.targets["tech_invest_growth"] == Target(rate=15.0)
    assert p.targets["tech_invest_ytd"].split == "proportional" and p.targets["tech_invest_ytd"].rate is None
    assert p.targets["projects_total_investment"].value == 872300
    plain = _shipped()
    plain.pop("targets", None)
    assert profiles.load(str(_write(tmp_path, plain, "plain.yaml"))).targets == {}


def test_an_unquoted_unit_code_is_read_as_text(tmp_path):
    data = _shipped()
    data["units"][0]["code"] = 410302
    p = profiles.load(str(_write(tmp_path, data)))
    assert p.units[0].code == "410302" and p.unit("410302") is not None


def test_a_wrong_unit_code_names_the_unit_and_says_what_a_code_is(tmp_path):
    data = _shipped()
    data["units"][3]["code"] = "41030A"
    text, problems = _problems(tmp_path, data)
    assert problems == [("units[3].code", '应为 6 位数字的行政区划代码（如 "410302"），现为“41030A”')]
    assert text.startswith("政策配置文件 ") and "units[3].code：应为 6 位数字的行政区划代码" in text
    assert "\n" not in text  # one mistake, one line


def test_missing_and_unknown_keys(tmp_path):
    data = _shipped()
    del data["jurisdiction"]
    data["reform_type"] = data.pop("reform_types")  # a typo of the key
    del data["units"][1]["name"]
    _, problems = _problems(tmp_path, data)
    assert sorted(problems) == [
        ("jurisdiction", "缺少必填项"),
        ("reform_type", "未知的配置项（请检查拼写，或删去该项）"),
        ("reform_types", "缺少必填项"),
        ("units[1].name", "缺少必填项"),
    ]


@pytest.mark.parametrize(
    "change, where, what",
    [
        (
            lambda d: d["targets"].update(tech_invest_ytd={}),
            "targets.tech_invest_ytd",
            "至少应写 rate、value、split",
        ),
        (
            lambda d: d["targets"].update(x={"split": "equal"}),
            "targets.x.split",
            "应为以下之一：'proportional'",
        ),
        (lambda d: d["targets"].update(x={"rate": "高"}), "targets.x.rate", "应为数字"),
        (lambda d: d["targets"].update(x={"rate": 1, "weight": 2}), "targets.x.weight", "未知的配置项"),
        (
            lambda d: d["deadline"].update(working_days_after_quarter=0),
            "deadline.working_days_after_quarter",
            "应不小于 1",
        ),
        (
            lambda d: d["thresholds"].update(project_code_required_from="五百"),
            "thresholds.project_code_required_from",
            "应为数字",
        ),
        (lambda d: d.update(reform_types=[]), "reform_types", "不能为空"),
        (
            lambda d: d.update(reform_types=["智能化改造", "智能化改造"]),
            "reform_types",
            "改造类型重复：智能化改造",
        ),
        (lambda d: d["units"].append(dict(d["units"][0])), "units", "填报单位代码重复：410302"),
        (lambda d: d.update(units={"410302": "老城区"}), "units", "应为列表"),
        (lambda d: d.update(id="洛阳 2021"), "id", "应为由字母、数字和连字符组成的标识"),
    ],
)
def test_kinds_of_mistakes(tmp_path, change, where, what):
    data = copy.deepcopy(_shipped())
    data.setdefault("targets", {})
    change(data)
    _, problems = _problems(tmp_path, data)
    assert any(path == where and what in text for path, text in problems), problems


def test_broken_yaml_and_a_file_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\nunits: [{code: '410302', name: 老城区}\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"不是有效的 YAML 格式第\d+行"):
        profiles.load(str(path))
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="文件内容应为若干“名称: 取值”组成的映射"):
        profiles.load(str(path))


def test_cli_init_with_a_broken_profile_says_one_chinese_message(tmp_path, capsys):
    data = _shipped()
    data["units"][3]["code"] = "4103"
    data["deadine"] = {"working_days_after_quarter": 5}
    path = _write(tmp_path, data)
    ws = tmp_path / "ws"
    assert cli.main(["init", str(ws), "--profile", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"错误：政策配置文件 {path} 有误（2 处）：")
    assert "units[3].code：应为 6 位数字的行政区划代码" in err and "deadine：未知的配置项" in err
    assert "Traceback" not in err and "usage" not in err
    assert not ws.exists()
