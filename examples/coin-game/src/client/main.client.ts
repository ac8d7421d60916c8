import "./Hud";
