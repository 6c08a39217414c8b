"""Word / Excel / PDF outputs built from the dashboard's own frames (never imports streamlit)."""
