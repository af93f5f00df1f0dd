/** How `photoframe demo` tells the console it starts where the demo's viewer draws (an X display such as :99). */
export const DEMO_VIEWER_SCREEN_ENV = 'PHOTOFRAME_DEMO_VIEWER_SCREEN';
