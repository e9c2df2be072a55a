#!/usr/bin/env node
// Runs the Python that has PyTorch: CUECAST_PYTHON, else Debian's /usr/bin/python3 (python3-torch is
// installed for it), else python3 on PATH. A pyenv or venv python3 earlier on PATH often lacks torch.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const python = process.env.CUECAST_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const result = spawnSync(python, process.argv.slice(2), { stdio: 'inherit' });
if (result.error) {
  console.error(`cannot run ${python}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
