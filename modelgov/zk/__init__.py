"""Verifiable inference: a version's circuit (ONNX → EZKL → Halo2 verifier), proofs, verifiers.

No Ape or web3 here (the chain side is :mod:`modelgov.chain.zk_verifier`). EZKL runs only in
subprocesses (:mod:`modelgov.zk.runner`); importing this package does not import ``ezkl``.

- :mod:`~modelgov.zk.onnx_model`: model folder → ONNX; float reference.
- :mod:`~modelgov.zk.pipeline`: build, setup, prove, verify, regenerate the verifier.
- :mod:`~modelgov.zk.artifacts`: the ``zk/`` folder and the proving-key cache.
- :mod:`~modelgov.zk.srs`: development vs ceremony SRS, and where each is allowed.
- :mod:`~modelgov.zk.proof`: the proof file and its public values.
- :mod:`~modelgov.zk.solc`: compiling verifiers (solcjs), the svm solc look-alike EZKL needs.
- :mod:`~modelgov.zk.check`: regenerate + compile a verifier and compare it with deployed code.
- :mod:`~modelgov.zk.inputs`: input / calibration JSON formats.
"""
