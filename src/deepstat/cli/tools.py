"""``deepstat datasets / demo / experiment``: the shipped data, the main job and the course's experiments."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from deepstat.cli._common import _fail, app, console

__all__ = ["datasets", "demo", "experiment"]


@app.command()
def datasets(
    name: str = typer.Argument(None, help="A dataset to describe; omit to list them all."),
    export: Path = typer.Option(None, help="Write the dataset's frame (inputs and target) to this CSV file."),
) -> None:
    """List the bundled real datasets, describe one, or export it as CSV."""
    from deepstat import datasets as ds

    if name is None:
        listing = ds.list_datasets().drop(columns=["source"], errors="ignore")  # sources: `deepstat datasets NAME`
        table = Table(title="datasets shipped by installed packages (no download)")
        for column in listing.columns:
            table.add_column(str(column))
        for row in listing.itertuples(index=False):
            table.add_row(*[str(v) for v in row])
        console.print(table)
        return
    try:
        dataset = ds.load(name)
    except ValueError as exc:
        _fail(str(exc))
    console.print(f"[bold]{dataset.name}[/bold]: {dataset.description}")
    console.print(f"target: {dataset.target}; task: {dataset.task}; suggested family: {dataset.family}")
    console.print(f"{len(dataset.frame)} rows; features: {', '.join(dataset.feature_names)}")
    console.print(f"source: {dataset.source}")
    if export is not None:
        dataset.frame.to_csv(export, index=False)
        console.print(f"wrote {export}")


@app.command()
def demo(
    out: Path = typer.Option(Path("deepstat-demo"), help="Folder for the report."),
    epochs: int = typer.Option(60, help="Maximum epochs of the deep models."),
    quiet: bool = typer.Option(False, help="No progress bars."),
) -> None:
    """The main job: deep NB2 vs Poisson and NB2 GLMs on the RAND HIE doctor visits, table + report."""
    from deepstat.demo import main as demo_main

    code = demo_main(["--out", str(out), "--max-epochs", str(epochs)] + (["--quiet"] if quiet else []))
    raise typer.Exit(code)


@app.command()
def experiment(
    name: str = typer.Argument(None, help="Experiment name (see --list)."),
    out: Path = typer.Option(Path("deepstat-experiments"), help="Folder for the CSV tables and PNG figures."),
    list_: bool = typer.Option(False, "--list", help="List the experiments."),
) -> None:
    """Run one of the course's foundation experiments and save its tables and figures."""
    from deepstat import experiments

    if list_ or name is None:
        for exp in experiments.list_experiments():
            console.print(exp)
        return
    if name not in experiments.list_experiments():
        _fail(f"unknown experiment {name!r}; choose one of {experiments.list_experiments()}.")
    result = experiments.run(name)
    paths = result.save(out / name)
    console.print(result.summary)
    for claim, holds in result.claims.items():
        console.print(f"{'[green]holds[/green]' if holds else '[red]fails[/red]'}  {claim}")
    console.print(f"wrote {len(paths)} files to {out / name}")
