"""matplotlib inside the Tapedeck IDE: figures draw with Agg and plt.show() sends each open
figure to the IDE's Plots dock as a PNG, then closes it. The IDE selects this backend
(MPLBACKEND=module://tapedeck.debug.mpl_backend) before a script can import matplotlib."""
import io

from matplotlib._pylab_helpers import Gcf
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

FigureCanvas = FigureCanvasAgg
FigureManager = FigureManagerBase

def show(*args, **kwargs):
    """Sends every open figure to the Plots dock (nothing blocks), then closes them."""
    try:
        import _tapedeck_ide as host  # the IDE's embedded module
    except ImportError:  # selected outside the IDE: nothing to show on
        host = None
    for manager in Gcf.get_all_fig_managers():
        figure = manager.canvas.figure
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=figure.dpi)
        title = figure.get_label() or f"Figure {manager.num}"
        if host is not None:
            host.show_figure(buffer.getvalue(), title)
    Gcf.destroy_all()
