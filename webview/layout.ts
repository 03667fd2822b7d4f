// Fixed geometry shared by the canvas, the hit-testing and the task list (rows line up with list items).

export const ROW_H = 24;
export const BAR_H = 16;
export const WAIT_H = 8;
export const AXIS_H = 26;
/** Room right of a lane's end for its outcome marker and text. */
export const MARKER_HIT_PX = 8;
