"""The playground's Python (site/playground.py), outside the browser: its data, its setup
in the URL, and its training, compiled and eager."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

PATH = Path(__file__).resolve().parent.parent / "site" / "playground.py"
_spec = importlib.util.spec_from_file_location("playground", PATH)
assert _spec is not None
assert _spec.loader is not None
playground: Any = importlib.util.module_from_spec(_spec)
sys.modules["playground"] = playground  # dataclasses look their module up by name
_spec.loader.exec_module(playground)
Playground = playground.Playground


@pytest.mark.parametrize("dataset", ["moons", "circles", "xor", "spiral", "blobs"])
def test_each_dataset_makes_the_points_asked_for_with_both_labels(dataset: str) -> None:
    """Every dataset gives n points of two numbers, labelled 1 and -1, inside the view."""
    xs, ys = playground.make_points(dataset, 100, 0.0, 3)
    assert len(xs) == len(ys) == 100
    assert set(ys) == {1.0, -1.0}
    assert all(len(p) == 2 and all(abs(c) < playground.VIEW[1] for c in p) for p in xs)


def test_the_same_seed_makes_the_same_points_and_another_seed_others() -> None:
    """Points come from the seed alone: a link reproduces them."""
    a = playground.make_points("moons", 50, 0.2, 7)
    assert a == playground.make_points("moons", 50, 0.2, 7)
    assert a != playground.make_points("moons", 50, 0.2, 8)


def test_the_hash_reads_back_to_the_same_setup() -> None:
    """Every control and the learner's points survive the round trip through the URL."""
    text = (
        "dataset=xor&noise=0.25&points=40&layers=4,3&activation=relu&loss=log"
        "&optimizer=adam&lr=0.03&l2=0.001&seed=5&compile=off&add=0.5,-0.25,1;-1,0,-1&drop=2,7"
    )
    setup, problems = playground.parse(text)
    assert problems == []
    assert setup.layers == (4, 3)
    assert setup.add == ((0.5, -0.25, 1.0), (-1.0, 0.0, -1.0))
    assert setup.compile is False
    assert setup.drop == (2, 7)
    assert playground.parse(playground.to_hash(setup))[0] == setup
    assert playground.to_hash(setup) == text


def test_a_bad_value_in_the_hash_keeps_the_default_and_says_what_to_write() -> None:
    """`lr=fast` leaves the learning rate as it was, and the problem names the key."""
    setup, problems = playground.parse("#lr=fast&dataset=moon&colour=red")
    assert setup == playground.Setup()
    assert problems[0].startswith("lr=fast: write a number from 0 to 10")
    assert "write one of moons" in problems[1]
    assert "unknown key 'colour'" in problems[2]


def test_a_bad_control_value_raises_and_changes_nothing() -> None:
    """A layer size of 0 is refused with what to write; the setup is as before."""
    pg = Playground("dataset=xor")
    before = pg.hash()
    with pytest.raises(ValueError, match="hidden layers' sizes, as 8,8"):
        pg.change("layers", "8,0")
    assert pg.hash() == before


@pytest.mark.parametrize("loss", ["hinge", "squared", "log"])
def test_the_compiled_step_gives_the_eager_steps_numbers(loss: str) -> None:
    """Compiled and eager, ten steps reach the same loss, bit for bit."""
    setup = f"dataset=moons&points=30&layers=4,4&loss={loss}&optimizer=adam&lr=0.05&l2=0.001"
    fast, slow = Playground(setup + "&compile=on"), Playground(setup + "&compile=off")
    fast.run(10)
    slow.run(10)
    assert fast.status() == slow.status()
    assert fast.loss == slow.loss
    assert [p.data for p in fast.model.parameters()] == [p.data for p in slow.model.parameters()]


def test_the_same_hash_gives_the_same_run_step_for_step() -> None:
    """A link reproduces the run: the same loss at every step."""
    text = "dataset=spiral&points=40&layers=6,6&lr=0.05&seed=3"
    a, b = Playground(text), Playground(text)
    for _ in range(5):
        a.run(1)
        b.run(1)
        assert a.status() == b.status()


@pytest.mark.parametrize("dataset", ["xor", "moons"])
def test_xor_and_moons_train_to_at_least_95_percent(dataset: str) -> None:
    """The default network learns either dataset, as the page will."""
    pg = Playground(f"dataset={dataset}&layers=8,8&lr=0.1&optimizer=adam&lr=0.03")
    pg.run(150)
    assert pg.accuracy >= 0.95, pg.status()


def test_a_point_added_is_trained_on_and_kept_in_the_hash() -> None:
    """The learner's point joins the data (the count grows) and the URL."""
    pg = Playground("dataset=blobs&points=20")
    pg.run(2)
    hash_text = pg.add_at(0.5, 0.25, 1)
    assert len(pg.y) == 21
    assert pg.y[-1] == 1.0
    assert pg.X[-1] == [0.0, 0.8]  # the middle across, a quarter down the view
    assert "add=0,0.8,1" in hash_text
    assert pg.step == 2  # training goes on, with the new point
    assert Playground(hash_text).X[-1] == [0.0, 0.8]


def test_pasted_lines_are_added_all_or_none() -> None:
    """Lines of x,y,label add a point each; one bad line adds none and names it."""
    pg = Playground("dataset=none")
    assert pg.status().startswith("no points")
    pg.paste("0.5,0.5,1\n# a comment\n\n-0.5,-0.5,-1\n")
    assert pg.y == [1.0, -1.0]
    with pytest.raises(ValueError, match="'1,2': write x,y,label"):
        pg.paste("0,0,1\n1,2")
    assert len(pg.y) == 2


def test_removing_a_generated_point_drops_it_by_its_number() -> None:
    """A generated point taken away is remembered in the hash, and stays away on reload."""
    pg = Playground("dataset=moons&points=10")
    third = pg.X[3]
    hash_text = pg.remove_point(3)
    assert "drop=3" in hash_text
    assert third not in pg.X
    assert len(pg.X) == 9
    assert Playground(hash_text).X == pg.X


def test_changing_the_learning_rate_keeps_training_and_updates_the_hash() -> None:
    """The learning rate changes the next step's update without starting again."""
    pg = Playground("dataset=xor")
    pg.run(3)
    assert "lr=0.5" in pg.change("lr", "0.5")
    assert pg.step == 3
    assert pg.optimizer.param_groups[0]["lr"] == 0.5


def test_changing_the_network_starts_again() -> None:
    """Another activation is another network: step 0, with the seed's weights."""
    pg = Playground("dataset=xor")
    pg.run(3)
    pg.change("activation", "relu")
    assert pg.step == 0
    assert pg.model.layers[0].neurons[0].activation == "relu"


def test_the_boundary_draws_every_point_numbered_for_the_page() -> None:
    """The picture has a circle per point, each with its index, over a fixed plane."""
    pg = Playground("dataset=circles&points=30")
    svg = pg.boundary_svg()
    assert svg.count("<circle") == 30
    assert 'data-index="29"' in svg


def test_a_points_loss_is_stepped_through_the_output_neuron() -> None:
    """Explaining a point gives the stepper's widget, its backward among the steps."""
    pg = Playground("dataset=xor&layers=3")
    fragment = pg.explain(0)
    assert 'class="mgl-stepper"' in fragment
    assert "h3" in fragment
    assert "backward" in fragment
