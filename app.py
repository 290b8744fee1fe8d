"""calfcheck web page (minimal; see issue 3 for the explaining UI)."""

import streamlit as st

from classifier import load_model


@st.cache_resource
def get_model():
    return load_model()


st.title("calfcheck")
st.caption("Not a diagnosis. In an emergency call your local emergency number.")
text = st.text_area("Describe what you feel, in your own words")
if st.button("Classify") and text.strip():
    p = get_model().classify(text)
    st.subheader(p.label)
    st.bar_chart(p.scores)
