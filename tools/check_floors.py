"""Check that the dependency floors in pyproject.toml are true.

Installs the LOWEST version that every direct dependency allows (uv's `--resolution lowest-direct`; indirect
dependencies resolve as usual) into a fresh virtual environment, with the extras the tests use, then imports every
hsmr module and runs the fast tests and every notebook there. A floor that is too low shows up as an install failure, an import error
or a failing test, in the versions printed first.

    python tools/check_floors.py [--keep DIR] [--extras dev] [--no-tests]

Needs network access to the package index (uv is installed into the new environment with pip). The lowest torch
that `torch>=X` allows comes from PyPI and, on Linux x86_64, is a CUDA build of several GB: the first run takes a
while. Exits non-zero when anything fails.
"""
import argparse, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAST_TESTS = ['tests/test_imports.py', 'tests/test_regressor.py', 'tests/test_smpl.py', 'tests/test_synthetic.py',
              'tests/test_skelify.py::test_cli_bad_input', 'tests/test_convert.py::test_bad_input_one_line',
              'tests/test_convert.py::test_help_explains_every_option']


def run(cmd, env=None, **kw):
    print('+', ' '.join(map(str, cmd)), flush=True)
    return subprocess.run(list(map(str, cmd)), cwd=ROOT, env=env, **kw)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--keep', default=None, help='build the environment in this folder and keep it (default: a temporary one)')
    ap.add_argument('--extras', default='dev', help="extras to install (default: dev, which holds notebooks, detect and video)")
    ap.add_argument('--no-tests', action='store_true', help='only install and import')
    a = ap.parse_args()
    base = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix='hsmr-floors-'))
    venv, t0, failed = base/'venv', time.time(), []
    if venv.exists(): shutil.rmtree(venv)
    run([sys.executable, '-m', 'venv', venv], check=True)
    py = venv/'bin'/'python'
    run([py, '-m', 'pip', 'install', '-q', 'uv'], check=True)
    env = {**os.environ, 'VIRTUAL_ENV': str(venv), 'HSMR_CACHE_DIR': str(base/'cache')}
    if run([venv/'bin'/'uv', 'pip', 'install', '--python', py, '--resolution', 'lowest-direct', '-e', f'.[{a.extras}]'], env=env).returncode:
        sys.exit('check_floors: the lowest allowed versions do not install together (see above): raise the floor uv names.')
    run([venv/'bin'/'uv', 'pip', 'freeze', '--python', py], env=env)
    modules = sorted(p.stem for p in (ROOT/'hsmr').glob('*.py') if not p.stem.startswith('_'))
    code = 'import importlib\n' + ''.join(f"importlib.import_module('hsmr.{m}')\n" for m in modules) + "print('imported', %d, 'modules')" % len(modules)
    if run([py, '-c', code], env=env).returncode: failed.append('import')
    if not a.no_tests:
        if run([py, '-m', 'pytest', '-q', '-x', *FAST_TESTS], env=env).returncode: failed.append('pytest')
        if run([venv/'bin'/'nbdev-test'], env=env).returncode: failed.append('nbdev-test')   # every notebook, as the README runs them
    print(f"check_floors: {'FAILED: ' + ', '.join(failed) if failed else 'every floor holds'} ({time.time() - t0:.0f} s, {base})")
    if not a.keep: shutil.rmtree(base, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == '__main__': main()
