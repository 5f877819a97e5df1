/**
 * The text edits of PyPI fixes: constraints found in pyproject.toml (Poetry tables, sub-tables,
 * PEP 621 and PEP 735 arrays) and Pipfiles and raised on their own line only; pins and `--hash`
 * options rewritten in requirements text whatever their layout, line endings kept.
 */
import { describe, expect, it } from 'vitest';
import { pipfileConstraints, pyprojectConstraints, raiseConstraints } from './pypi-manifests.js';
import { findPins, rewritePins } from './pypi-requirements.js';

const PYPROJECT = `[project]
name = "requests-user"   # a name that looks like a requirement: not one
dependencies = [
    "requests[socks] (>=2.19,<2.20) ; python_version >= '3.8'",
    'urllib3>=1.21.1,<1.24',
]

[project.optional-dependencies]
yaml = ["PyYAML>=5.1,<5.4"]

[dependency-groups]
dev = ["pytest>=3.8,<4"]

[tool.poetry.dependencies]
python = "^3.9"
Django = "==2.1.5"  # pinned
"jinja2" = { version = "~2.10", extras = ["i18n"] }

[tool.poetry.group.docs.dependencies.sphinx]
version = "^1.8"
python = ">=3.6"
`;

/** The line numbers (0-based) where two texts differ. */
function changedLines(a: string, b: string): number[] {
  const x = a.split('\n');
  const y = b.split('\n');
  expect(y).toHaveLength(x.length);
  return x.map((line, i) => (line === y[i] ? -1 : i)).filter((i) => i !== -1);
}

describe('pyproject.toml constraints', () => {
  it('finds PEP 621, PEP 735, Poetry table, inline-table and sub-table constraints, and nothing else', () => {
    const spec = (name: string): string[] => pyprojectConstraints(PYPROJECT, name).sites.map((s) => `${s.where}:${s.line + 1}:${s.flavor}:${s.spec}`);
    expect(spec('requests')).toEqual(['project.dependencies:4:pep440:>=2.19,<2.20']);
    expect(spec('urllib3')).toEqual(['project.dependencies:5:pep440:>=1.21.1,<1.24']);
    expect(spec('pyyaml')).toEqual(['project.optional-dependencies.yaml:9:pep440:>=5.1,<5.4']);
    expect(spec('pytest')).toEqual(['dependency-groups.dev:12:pep440:>=3.8,<4']);
    expect(spec('django')).toEqual(['tool.poetry.dependencies:16:poetry:==2.1.5']);
    expect(spec('Jinja2')).toEqual(['tool.poetry.dependencies:17:poetry:~2.10']);
    expect(spec('sphinx')).toEqual(['tool.poetry.group.docs.dependencies.sphinx:20:poetry:^1.8']);
    expect(spec('requests-user')).toEqual([]);
  });

  it('raises only the characters of the excluding constraints, keeping comments, quotes and markers', () => {
    const requests = raiseConstraints(PYPROJECT, pyprojectConstraints(PYPROJECT, 'requests'), '2.32.2', 'pyproject.toml');
    expect(requests).toMatchObject({ kind: 'edited', from: '>=2.19,<2.20', to: '>=2.32.2,<2.33', where: 'project.dependencies' });
    if (requests.kind !== 'edited') throw new Error('not edited');
    expect(changedLines(PYPROJECT, requests.text)).toEqual([3]);
    expect(requests.text.split('\n')[3]).toBe(`    "requests[socks] (>=2.32.2,<2.33) ; python_version >= '3.8'",`);

    const django = raiseConstraints(PYPROJECT, pyprojectConstraints(PYPROJECT, 'Django'), '2.1.7', 'pyproject.toml');
    if (django.kind !== 'edited') throw new Error('not edited');
    expect(django.text.split('\n')[15]).toBe('Django = "==2.1.7"  # pinned');

    const jinja = raiseConstraints(PYPROJECT, pyprojectConstraints(PYPROJECT, 'jinja2'), '2.11.3', 'pyproject.toml');
    if (jinja.kind !== 'edited') throw new Error('not edited');
    expect(jinja.text.split('\n')[16]).toBe('"jinja2" = { version = "~2.11.3", extras = ["i18n"] }');

    expect(raiseConstraints(PYPROJECT, pyprojectConstraints(PYPROJECT, 'pytest'), '3.9.1', 'pyproject.toml')).toEqual({ kind: 'unchanged' });
  });

  it('keeps CRLF line endings and says why a constraint cannot be raised', () => {
    const crlf = PYPROJECT.replace(/\n/g, '\r\n');
    const edit = raiseConstraints(crlf, pyprojectConstraints(crlf, 'urllib3'), '1.26.18', 'pyproject.toml');
    if (edit.kind !== 'edited') throw new Error('not edited');
    expect(edit.text).toBe(crlf.replace("'urllib3>=1.21.1,<1.24'", "'urllib3>=1.26.18,<1.27'"));
    const excluded = '[tool.poetry.dependencies]\nDjango = ">=2.0,!=2.1.7"\n';
    expect(raiseConstraints(excluded, pyprojectConstraints(excluded, 'django'), '2.1.7', 'pyproject.toml')).toEqual({
      kind: 'impossible',
      reason: expect.stringMatching(/^pyproject\.toml:2: ">=2\.0,!=2\.1\.7" excludes 2\.1\.7 with !=2\.1\.7; change it by hand$/) as string,
    });
    const url = '[project]\ndependencies = ["requests @ https://example.com/requests-2.19.1.tar.gz"]\n';
    expect(pyprojectConstraints(url, 'requests')).toEqual({ sites: [], uneditable: [{ line: 1, where: 'project.dependencies', why: 'a direct URL requirement' }] });
  });
});

describe('Pipfile constraints', () => {
  it('reads [packages], [dev-packages] and custom categories, string and inline-table forms', () => {
    const pipfile = '[[source]]\nname = "pypi"\n\n[packages]\nJinja2 = "==2.10"\ndjango = {version = "~=2.1.0", index = "pypi"}\n\n[dev-packages]\nrequests = "*"\n\n[docs]\nsphinx = ">=1.8,<2"\n\n[requires]\npython_version = "3.11"\n';
    const at = (name: string): string[] => pipfileConstraints(pipfile, name).sites.map((s) => `${s.where}:${s.line + 1}:${s.spec}`);
    expect(at('jinja2')).toEqual(['packages:5:==2.10']);
    expect(at('Django')).toEqual(['packages:6:~=2.1.0']);
    expect(at('requests')).toEqual(['dev-packages:9:*']);
    expect(at('sphinx')).toEqual(['docs:12:>=1.8,<2']);
    expect(at('python-version')).toEqual([]);
    const edit = raiseConstraints(pipfile, pipfileConstraints(pipfile, 'sphinx'), '2.0.1', 'Pipfile');
    if (edit.kind !== 'edited') throw new Error('not edited');
    expect(changedLines(pipfile, edit.text)).toEqual([11]);
    expect(edit.text.split('\n')[11]).toBe('sphinx = ">=2.0.1,<3"');
  });
});

describe('requirements pins', () => {
  it('finds pins as the parser does: any name spelling, === pins, continuations, not comments or ranges', () => {
    const text = '# jinja2==2.10 in a comment\nJinja_2==2.10\njinja2 >= 2.10\n  jinja2===2.10 ; python_version < "3" \\\n    # joined to the line above, as pip and the parser do\njinja2==2.9\n';
    expect(findPins(text, 'jinja2', ['2.10']).map((p) => [p.first, p.last, p.name])).toEqual([[3, 4, 'jinja2']]);
    expect(findPins(text, 'jinja-2', ['2.10']).map((p) => p.name)).toEqual(['Jinja_2']);
  });

  it('replaces inline hashes with the new ones, in place', () => {
    const text = 'requests==2.19.1 --hash=sha256:aaaa --hash=sha256:bbbb  # pinned\nidna==2.7';
    const result = rewritePins(text, findPins(text, 'requests', ['2.19.1']), '2.32.2', ['1111', '2222', '3333']);
    expect(result).toEqual({ ok: true, text: 'requests==2.32.2 --hash=sha256:1111 --hash=sha256:2222 --hash=sha256:3333  # pinned\nidna==2.7' });
  });

  it('rewrites one-hash-per-line blocks whatever the count, keeping markers, indentation and a missing final newline', () => {
    const text = 'urllib3==1.23 ; python_version >= "2.7" \\\n      --hash=sha256:aaaa \\\n      --hash=sha256:bbbb';
    const more = rewritePins(text, findPins(text, 'urllib3', ['1.23']), '1.26.18', ['1111', '2222', '3333']);
    expect(more).toEqual({ ok: true, text: 'urllib3==1.26.18 ; python_version >= "2.7" \\\n      --hash=sha256:1111 \\\n      --hash=sha256:2222 \\\n      --hash=sha256:3333' });
    const fewer = rewritePins(`${text}\n    # via requests\n`, findPins(`${text}\n`, 'urllib3', ['1.23']), '1.26.18', ['1111']);
    expect(fewer).toEqual({ ok: true, text: 'urllib3==1.26.18 ; python_version >= "2.7" \\\n      --hash=sha256:1111\n    # via requests\n' });
  });

  it('refuses a pin split over lines rather than guessing', () => {
    const text = 'requests \\\n    ==2.19.1\n';
    expect(rewritePins(text, findPins(text, 'requests', ['2.19.1']), '2.32.2', null)).toEqual({ ok: false, reason: expect.stringContaining('split over lines') as string });
  });
});
