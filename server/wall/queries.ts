// The wall layout saved per workspace.
export const q = {
  wall: `SELECT layout FROM wall_layouts WHERE ws = $ws`,
  putWall: `DELETE FROM wall_layouts WHERE ws = $ws; INSERT INTO wall_layouts VALUES ($ws, $layout)`,
  deleteWorkspace: `DELETE FROM wall_layouts WHERE ws = $ws`,
};
