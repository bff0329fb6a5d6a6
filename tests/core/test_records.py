"""Frozen records (core/records.py) behave as frozen dataclasses do: fields in order, defaults,
fresh factory defaults, equality and hashing by value and class, no assignment, `replace`."""
from __future__ import annotations

import pytest

from matcalc.core.records import factory, record, replace


@record
class Point:
    x: int
    y: int = 0
    tags: frozenset = factory(frozenset)


@record
class Other:
    x: int
    y: int = 0
    tags: frozenset = factory(frozenset)


@record
class Cached:
    cache: dict = factory(dict)


def test_fields_are_taken_by_position_then_by_name_with_defaults():
    p = Point(1, tags=frozenset({"a"}))
    assert (p.x, p.y, p.tags) == (1, 0, frozenset({"a"}))


def test_a_factory_default_is_made_afresh_for_each_record():
    assert Cached().cache is not Cached().cache


def test_records_are_equal_and_hash_alike_by_value():
    assert Point(1, 2) == Point(1, 2) and hash(Point(1, 2)) == hash(Point(1, 2))
    assert Point(1, 2) != Point(2, 1)


def test_records_of_different_classes_are_never_equal():
    assert Point(1) != Other(1)


def test_fields_cannot_be_assigned_or_deleted():
    p = Point(1)
    with pytest.raises(AttributeError):
        p.x = 2
    with pytest.raises(AttributeError):
        del p.x


def test_replace_changes_only_the_fields_named():
    p = Point(1, 2, frozenset({"a"}))
    q = replace(p, y=5)
    assert (q.x, q.y, q.tags) == (1, 5, frozenset({"a"})) and p.y == 2


def test_missing_extra_and_repeated_arguments_are_refused():
    with pytest.raises(TypeError):
        Point()
    with pytest.raises(TypeError):
        Point(1, 2, frozenset(), 5)
    with pytest.raises(TypeError):
        Point(1, x=2)
    with pytest.raises(TypeError):
        Point(1, z=2)


def test_repr_names_every_field():
    assert repr(Point(1, 2)) == "Point(x=1, y=2, tags=frozenset())"


def test_a_field_without_default_after_one_with_a_default_is_refused():
    with pytest.raises(TypeError):
        @record
        class Bad:
            a: int = 0
            b: int


def test_a_plain_default_stays_readable_on_the_class():
    assert Point.y == 0


def test_a_subclass_adds_its_fields_after_the_parents():
    @record
    class Point3(Point):
        z: int = 0
    p = Point3(1, 2, frozenset(), 3)
    assert (p.x, p.y, p.z) == (1, 2, 3) and p != Point(1, 2)


def test_private_and_class_variable_fields_are_refused():
    with pytest.raises(TypeError):
        @record
        class Hidden:
            _x: int = 0


def test_records_pickle_and_copy_to_equal_records():
    import copy
    import pickle
    p = Point(1, 2, frozenset({"a"}))
    assert pickle.loads(pickle.dumps(p)) == p and copy.copy(p) == p and copy.deepcopy(p) == p
