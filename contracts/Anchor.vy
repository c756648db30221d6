# pragma version ==0.4.3
"""
@title Ganshu ledger anchor
@notice The exchange's operator anchors checkpoints (tree size, root) of its contract ledger,
        so that anyone holding a proof can check a trade against the chain.
@dev The operator is fixed at deploy and kept in code (immutable), so checking it costs no
     storage read. Each anchor writes two slots and one event: about 76k gas; batching
     leaves into one checkpoint is what keeps the ledger cheap.
"""

event Anchored:
    tree_size: indexed(uint256)
    root: bytes32

OPERATOR: public(immutable(address))

latest_size: public(uint256)
roots: HashMap[uint256, bytes32]


@deploy
def __init__():
    OPERATOR = msg.sender


@external
def anchor(tree_size: uint256, root: bytes32):
    """
    @notice Record the root of the ledger at `tree_size`; sizes only grow.
    """
    assert msg.sender == OPERATOR, "only the operator anchors"
    assert tree_size > self.latest_size, "tree size must grow"
    self.roots[tree_size] = root
    self.latest_size = tree_size
    log Anchored(tree_size=tree_size, root=root)


@view
@external
def root_of(tree_size: uint256) -> bytes32:
    """
    @notice The root anchored for `tree_size`, or zero when that size was never anchored.
    """
    return self.roots[tree_size]
